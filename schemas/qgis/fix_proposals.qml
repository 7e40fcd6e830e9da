<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- thuadat: QGIS style of the fix_proposals layer (the parcel after the fix: green fill), stored in the workspace's layer_styles table as the layer's default. -->
<qgis version="3.28.0" styleCategories="Symbology|Labeling">
 <renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">
  <symbols>
   <symbol type="fill" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
    <layer class="SimpleFill" enabled="1" locked="0" pass="0">
     <Option type="Map">
      <Option name="color" type="QString" value="140,220,140,170"/>
      <Option name="outline_color" type="QString" value="0,120,0,255"/>
      <Option name="outline_style" type="QString" value="solid"/>
      <Option name="outline_width" type="QString" value="0.5"/>
      <Option name="outline_width_unit" type="QString" value="MM"/>
      <Option name="style" type="QString" value="solid"/>
     </Option>
    </layer>
   </symbol>
  </symbols>
 </renderer-v2>
 <labeling type="simple">
  <settings calloutType="simple">
   <text-style fieldName="rule_id || ' ' || fid" isExpression="1" fontSize="8" textColor="0,0,0,255"/>
  </settings>
 </labeling>
</qgis>
